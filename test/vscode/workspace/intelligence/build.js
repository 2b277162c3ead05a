// Fixture: JavaScript markers.
console.log('STEP_START:Bundle');

console.log('STEP_COMPLETE:Bundle');
